"""Settings: command-line args > KENNING_* environment > <root>/kenning.toml > defaults.

Every field is documented in the README's Configure table; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kenning.errors import ConfigError
from kenning.models import GUARD_KINDS

CONFIG_FILE = "kenning.toml"
STATE_DIR = ".kenning"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KENNING_", extra="forbid", validate_default=True)

    # The toml file is per project root, so `load` sets it on the class it builds.
    _toml_file: ClassVar[Path | None] = None

    root: Path = Field(default_factory=Path.cwd, description="Project root to index and serve.")
    exclude: list[str] = Field(
        default_factory=list,
        description="Extra gitignore-style patterns to skip, on top of .gitignore.",
    )
    max_file_bytes: int = Field(
        default=1_000_000, gt=0, description="Files larger than this are skipped as oversized."
    )
    max_line_length: int = Field(
        default=2_000,
        gt=0,
        description="A file with a longer line is skipped as minified or generated.",
    )
    workers: int = Field(
        default=0, ge=0, description="Parser processes for large runs; 0 means one per core."
    )
    decisions_dir: Path = Field(
        default=Path(".kenning/memory/decisions"),
        description="Folder of the decision log, relative to the root (e.g. docs/adr to write ADRs there).",
    )
    model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Sentence-transformers model for embeddings: the bundled default, a local folder or a model name.",
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL (e.g. http://host:8000); unset keeps vectors under .kenning/index."
    )
    embed_batch_size: int = Field(default=32, gt=0, description="Texts per embedding batch.")
    embed_max_tokens: int = Field(
        default=64, ge=16, le=512, description="Word pieces of each symbol's text (and each query) the model reads."
    )
    embed_quantize: bool = Field(
        default=True, description="8-bit model weights (uint8 on ONNX Runtime): faster embedding at a small measured"
                                  " quality cost (docs/benchmarks.md); false keeps fp32."
    )
    embed_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="Runs the model on ONNX Runtime (exported once from the model folder) or on torch.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the ONNX export of the model is kept; unset means $XDG_CACHE_HOME/kenning/models "
                    "(~/.cache/kenning/models).",
    )
    embed_on_index: bool = Field(
        default=True, description="Embed symbols during `kenning index`; false defers it to `kenning embed`."
    )

    token: str | None = Field(
        default=None, repr=False,
        description="Bearer token `kenning serve` requires on every request; needed to bind a non-loopback host.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra host names `kenning serve` answers to (a reverse proxy's or a DNS name); loopback"
                    " names and the bound address always are. Others get 421, against DNS rebinding.",
    )

    rules: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Architecture rules ([[rules]] tables); rules may also live in decisions' front matter.",
    )

    guard_block_on: list[Literal[GUARD_KINDS]] = Field(  # type: ignore[valid-type]  # the tuple spreads into the Literal
        default_factory=list,
        description="Guard finding kinds that block a write (Claude Code hook) or a commit (pre-commit hook); "
                    "others are reported and allowed.",
    )
    entry_points: list[str] = Field(
        default_factory=list,
        description="Names (functions, classes, or modules as dotted names or paths) something outside the "
                    "project calls, so they are never reported as disconnected code (a plugin hook, a job a "
                    "scheduler names).",
    )
    guard_time_budget: float = Field(
        default=20.0, gt=0, le=3_600,
        description="Seconds one guard run (one file, or all the files of --staged or --diff) spends before it "
                    "stops looking for duplicates and says what it left unchecked (a Claude Code hook gives up "
                    "after 60).",
    )

    @field_validator("root")
    @classmethod
    def _root_is_a_directory(cls, value: Path) -> Path:
        value = value.expanduser().resolve()
        if not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @field_validator("token")
    @classmethod
    def _token_is_usable(cls, value: str | None) -> str | None:
        # An empty or padded token would be a lock anyone opens (or nobody can): refuse it outright.
        if value is not None and (not value.strip() or value != value.strip()):
            raise ValueError("the token must be a non-empty string without surrounding white space")
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts_are_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.strip() or any(c in name for c in "/ @*"):
                raise ValueError(f"{name!r} is not a host name (no scheme, port, path or wildcard)")
        return value

    @field_validator("decisions_dir")
    @classmethod
    def _decisions_dir_is_inside_the_root(cls, value: Path, info: ValidationInfo) -> Path:
        # A committed kenning.toml is input from whoever wrote the repository: it must not make kenning
        # write outside it ('../x', an absolute path, or a symlink that leads out).
        root = info.data.get("root")
        if root is None:  # the root itself was refused; that error is the one to show
            return value
        target = (root / value.expanduser()).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"decisions_dir {str(value)!r} resolves to {target}, outside the project root {root}; "
                             "use a folder inside the root, such as docs/adr")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    @classmethod
    def load(cls, root: Path | str | None = None, **overrides: Any) -> "Settings":
        """Build settings for a project root; None-valued overrides are ignored."""
        chosen = root if root is not None else os.environ.get("KENNING_ROOT") or Path.cwd()
        root_path = Path(chosen).expanduser().resolve()
        if not root_path.is_dir():
            raise ConfigError(f"project root {root_path} is not a directory")
        toml_file = root_path / CONFIG_FILE
        if toml_file.is_file():
            _check_toml(toml_file)
        bound = type("BoundSettings", (cls,), {"_toml_file": toml_file if toml_file.is_file() else None})
        args = {k: v for k, v in overrides.items() if v is not None}
        try:
            return bound(root=root_path, **args)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in e.errors()
            )
            raise ConfigError(f"invalid settings ({problems}); check {CONFIG_FILE} and KENNING_* variables") from e

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def index_dir(self) -> Path:
        """Derived, disposable, git-ignored."""
        return self.state_dir / "index"


def _check_toml(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from e
