"""The provenance commands: ``keygen``, ``sign`` and ``verify``.

Exit codes: 0 success, 1 verification or signing failed, 2 unusable input (a missing or
unreadable key, a dataset directory without ``manifest.json``, an existing key file).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aleatoric.cli._console import make_console
from aleatoric.provenance import ProvenanceError, generate_key, key_id
from aleatoric.provenance._dataset import sign_dataset_with, verify_dataset_with
from aleatoric.provenance._files import MANIFEST_NAME
from aleatoric.provenance._keys import load_private_key, load_public_key

__all__ = ["register"]

console = make_console()
err = make_console(stderr=True)


class Algorithm(StrEnum):
    """A signing algorithm ``keygen`` can create keys for."""

    ECDSA_P256 = "ecdsa-p256"
    ED25519 = "ed25519"


def _fail(code: int, *problems: str) -> typer.Exit:
    for problem in problems:
        err.print(f"[bold red]error[/]: {escape(problem)}", soft_wrap=True)
    return typer.Exit(code=code)


def _dataset(path: Path) -> Path:
    if not path.is_dir():
        raise _fail(2, f"{path}: not a directory")
    if not (path / MANIFEST_NAME).is_file():
        raise _fail(2, f"{path}: no {MANIFEST_NAME}; not a dataset")
    return path


def keygen_cmd(
    path: Annotated[
        Path, typer.Argument(help="Private key file to create; the public key goes to PATH.pub.")
    ],
    algorithm: Annotated[
        Algorithm, typer.Option("--algorithm", "-a", help="Signing algorithm.")
    ] = Algorithm.ECDSA_P256,
) -> None:
    """Create a signing key pair: PATH (private, mode 0600) and PATH.pub (public)."""
    try:
        private_path, public_path = generate_key(path, algorithm=algorithm.value)
        kid = key_id(load_public_key(public_path))
    except (ProvenanceError, OSError) as exc:
        raise _fail(2, str(exc)) from None
    console.print(f"private key: {escape(str(private_path))} (keep it secret)", soft_wrap=True)
    console.print(f"public key:  {escape(str(public_path))}", soft_wrap=True)
    console.print(f"key id:      {kid} ({algorithm.value})", soft_wrap=True)


def sign_cmd(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory (with manifest.json).")],
    key: Annotated[Path, typer.Option("--key", "-k", help="Private key (PEM).")],
) -> None:
    """Sign a dataset: write DATASET/provenance.intoto.jsonl (in-toto statement, DSSE)."""
    root = _dataset(dataset)
    try:
        private_key = load_private_key(key)
    except ProvenanceError as exc:
        raise _fail(2, *exc.problems) from None
    try:
        target = sign_dataset_with(root, private_key)
    except ProvenanceError as exc:
        raise _fail(1, *exc.problems) from None
    except OSError as exc:
        raise _fail(1, f"cannot write the signature: {exc}") from None
    kid = key_id(private_key.public_key())
    console.print(f"[green]signed[/] {escape(str(target))} with key {kid}", soft_wrap=True)


def verify_cmd(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory (with manifest.json).")],
    key: Annotated[Path, typer.Option("--key", "-k", help="Public key (PEM).")],
) -> None:
    """Verify a signed dataset: the signature, every file's SHA-256, no file added."""
    root = _dataset(dataset)
    try:
        public_key = load_public_key(key)
    except ProvenanceError as exc:
        raise _fail(2, *exc.problems) from None
    try:
        report = verify_dataset_with(root, public_key)
    except ProvenanceError as exc:
        raise _fail(1, *exc.problems) from None
    except OSError as exc:
        raise _fail(1, f"cannot read the dataset: {exc}") from None
    console.print(
        f"[green]verified {report.files} files[/] in {escape(str(root))} with key {report.key_id}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``keygen``, ``sign`` and ``verify`` commands to ``app``."""
    app.command("keygen")(keygen_cmd)
    app.command("sign")(sign_cmd)
    app.command("verify")(verify_cmd)
