"""`kiosk device fingerprint capture|match|status --url URL`: one fingerprint module.

Templates are biometric data: capture prints only their size and a short hash; the template
itself is written only where --out says, readable by its owner alone.
"""

import os

import click

from kiosk.commands.common import clean_failures, emit_json, report_status

URL_HELP = "Module URL, e.g. as608:///dev/ttyS1?baudrate=57600&timeout=2"
WAIT_HELP = "Seconds to wait for a finger."


@click.group()
def fingerprint():
    """Fingerprint module (AS608/R30x)."""


@fingerprint.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the template here (mode 600).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), default=8.0, show_default=True, help=WAIT_HELP)
@clean_failures
def capture(url, out, timeout_s):
    """Wait for a finger and read its template; print its size and a short hash."""
    from drivers.fingerprint.as608 import template_digest
    from drivers.registry import open_device

    # A temporary file beside --out is made first, so a path that cannot be written fails before
    # the finger is read, and an existing file is replaced only by a whole template.
    pending = f"{out}.{os.getpid()}.tmp" if out else None
    fd = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600) if pending else None
    try:
        reader = open_device(url)
        try:
            template = reader.capture(timeout_s)
        finally:
            reader.close()
        if fd is not None:
            with os.fdopen(fd, "wb") as f:
                fd = None
                f.write(template)
            os.replace(pending, out)
    finally:
        if fd is not None:
            os.close(fd)
        if pending and os.path.exists(pending):
            os.unlink(pending)
    emit_json({"template_bytes": len(template), "sha256": template_digest(template), "out": out})


@fingerprint.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--template", "template_files", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="A template file (from capture --out, or one recorded at application); repeat it for "
                   "several fingers: one press is compared with each.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), default=8.0, show_default=True, help=WAIT_HELP)
@clean_failures
def match(url, template_files, timeout_s):
    """Wait for a finger and compare it with the templates; print {matched, score, template}
    (`template`: the index of the --template that matched, or null)."""
    from drivers.fingerprint.as608_codec import TEMPLATE_SIZE
    from drivers.registry import open_device

    templates = []
    for template_file in template_files:
        with open(template_file, "rb") as f:
            templates.append(f.read(TEMPLATE_SIZE + 1))  # enough to tell a wrong size, whatever the file is
    reader = open_device(url)
    try:
        result = reader.verify_any(templates, timeout_s)
    finally:
        reader.close()
    emit_json({"matched": result.matched, "score": result.score, "template": result.template})


@fingerprint.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """The module's parameters and template count; exit 1 with one line on stderr unless usable."""
    report_status(url)
