"""`kiosk admin …`: the operators' signing side of the operator config (docs/operator-config.md).

Run on an operator's machine holding the offline keys; the repository directory it writes is
then copied to (or mounted at) the one central serves under /tuf/.
"""

from __future__ import annotations

import click

from kiosk.commands.common import emit_json, fail


def _keys(path: str):
    from central.tuf_keys import KeysError, load

    try:
        return load(path)
    except KeysError as exc:
        fail(str(exc))


@click.group()
def admin():
    """Operators: keys, the signed config repository, publishing a group's config."""


@admin.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="A new, empty keys directory.")
@click.option("--root-keys", default=3, show_default=True, type=click.IntRange(1, 9),
              help="How many root keys (production: 3, of which 2 sign).")
def keygen(out, root_keys):
    """Generate the role keys (Ed25519; private keys mode 0600)."""
    from central.tuf_keys import generate

    try:
        made = generate(out, root_keys=root_keys)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    emit_json({"keys": out, "keyids": made})


@admin.group()
def repo():
    """The repository: metadata/ and targets/, served by central under /tuf/."""


@repo.command("init")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False))
@click.option("--repo", "repo_dir", required=True, type=click.Path(file_okay=False))
@click.option("--root-threshold", type=click.IntRange(1, 9),
              help="Root signatures needed (default: a majority of the root keys, 2 of 3).")
def repo_init(keys_dir, repo_dir, root_threshold):
    """A new repository with its root (version 1) and empty targets."""
    from central.tuf_keys import KeysError
    from central.tuf_repo import ConfigRepository, RepositoryError

    keys = _keys(keys_dir)
    try:
        repository = ConfigRepository.init(repo_dir, keys, root_threshold=root_threshold)
    except (KeysError, RepositoryError, OSError) as exc:
        fail(str(exc))
    root = repository.root().signed
    emit_json({"repo": repo_dir, "root_version": root.version, "root_threshold": root.roles["root"].threshold,
               "root_keys": len(root.roles["root"].keyids),
               "trust": str(repository.metadata_dir / "1.root.json")})


@repo.command("rotate-root")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="The current keys.")
@click.option("--new-keys", "new_keys_dir", required=True, type=click.Path(file_okay=False),
              help="The new keys (root at least; other roles found there are replaced too).")
@click.option("--repo", "repo_dir", required=True, type=click.Path(file_okay=False))
@click.option("--root-threshold", type=click.IntRange(1, 9))
def rotate_root(keys_dir, new_keys_dir, repo_dir, root_threshold):
    """The next root version, signed by the old root keys and the new ones."""
    from central.tuf_keys import KeysError
    from central.tuf_repo import ConfigRepository, RepositoryError

    try:
        version = ConfigRepository(repo_dir).rotate_root(_keys(keys_dir), _keys(new_keys_dir),
                                                         root_threshold=root_threshold)
    except (KeysError, RepositoryError, OSError) as exc:
        fail(str(exc))
    emit_json({"repo": repo_dir, "root_version": version})


@admin.group("config")
def admin_config():
    """Publish an operator config to a group of kiosks."""


@admin_config.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--group", required=True, help="The kiosks' group (their updates.group).")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False))
@click.option("--repo", "repo_dir", required=True, type=click.Path(file_okay=False))
@click.option("--wave", "waves", multiple=True, metavar="KIOSKS|P%|rest",
              help="Staged rollout, repeatable, in order: kiosk ids (comma list), a percentage of the "
                   "group, or rest (implied last).")
@click.option("--success", type=float, default=None, help="Fraction of a wave applied before the next (default 1.0).")
@click.option("--errors", type=float, default=None, help="Fraction of a wave refusing that halts (default 0.1).")
@click.option("--approve", is_flag=True, help="Each wave after the first waits for an operator's approval.")
@click.option("--operator", default=None, metavar="NAME",
              help="Who publishes, signed into the version and audited by central (default: the login user).")
def publish(file, group, keys_dir, repo_dir, waves, success, errors, approve, operator):
    """Validate FILE (TOML or JSON) against the operator schema, sign it as the group's next version."""
    import getpass

    from central.tuf_keys import KeysError
    from central.tuf_repo import ConfigRepository, RepositoryError
    from kiosk.config import ConfigError
    from kiosk.operator_config import read_operator_file

    from common.rollout import ERRORS, SUCCESS, make_plan

    try:
        plan = None
        if waves or success is not None or errors is not None or approve:
            plan = make_plan(list(waves), success=SUCCESS if success is None else success,
                             errors=ERRORS if errors is None else errors, approve=approve)
        config = read_operator_file(file)
        repository = ConfigRepository(repo_dir)
        try:
            operator = operator or getpass.getuser()
        except (KeyError, OSError):  # no login name (a container's unnamed uid)
            fail("who is publishing? give --operator NAME")
        version = repository.publish(group, config, _keys(keys_dir), rollout=plan, published_by=operator)
    except (ConfigError, KeysError, RepositoryError, ValueError) as exc:
        fail(str(exc))
    except FileNotFoundError:
        fail(f"no repository at {repo_dir}: make one with `kiosk admin repo init`")
    emit_json({"group": group, "version": version, "targets_version": repository.targets().signed.version,
               "published_by": operator, **({"rollout": plan} if plan else {})})
