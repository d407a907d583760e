"""Central's own log handlers (uvicorn's) mask ID numbers and phones, tracebacks included."""

from __future__ import annotations

import logging

from central.app import create_app
from central.server import server_for

ID18 = "11010519491231002X"


def test_uvicorn_handlers_mask_tracebacks(tmp_path, capfd):
    app = create_app(f"sqlite:///{tmp_path / 'central.db'}")
    server_for(app, "info")
    try:
        raise ValueError(f"cannot store applicant {ID18} (13812345678)")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    app.state.engine.dispose()
    err = capfd.readouterr().err
    assert "Traceback" in err and "1101**********002X" in err
    assert ID18 not in err and "13812345678" not in err
