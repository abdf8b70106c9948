"""Disconnected code wired in without a reference the index holds (service/wiring.py): a name used only
as a value, a published library's API, modules a computed import loads. Each project is written to a tmp
root and indexed for real; a genuinely unused new module beside them is still reported."""

from __future__ import annotations

from pathlib import Path

from kenning.service import Service
from kenning.service.disconnected import project_disconnected
from kenning.settings import Settings

CODECS = '''"""Decoders by name."""


class DeflateDecoder:
    def decode(self, data: bytes) -> bytes:
        return data


def identity_codec(data: bytes) -> bytes:
    return data
'''
REGISTRY = '''"""The table of decoders the client picks from."""
from . import codecs

SUPPORTED = {"deflate": codecs.DeflateDecoder, "identity": codecs.identity_codec}
'''
CLIENT = "from .registry import SUPPORTED\n\n\ndef decoder(name):\n    return SUPPORTED[name]()\n"
UNUSED = '"""Nothing imports this."""\n\n\ndef export_snapshot(rows):\n    return list(rows)\n'


def indexed(root: Path, files: dict[str, str]) -> Service:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    return service


def reported(service: Service) -> set[str]:
    return {f.get("symbol") or f["path"] for f in project_disconnected(service.store, service.root, [])}


def test_a_name_used_only_as_a_dict_value_in_another_file_is_not_disconnected(tmp_path):
    service = indexed(tmp_path, {"app/__init__.py": "", "app/codecs.py": CODECS, "app/registry.py": REGISTRY,
                                 "app/client.py": CLIENT, "app/run.py": "from .client import decoder\n"
                                 "\nif __name__ == '__main__':\n    decoder('deflate')\n"})
    try:
        assert reported(service) == set()
        report = service.guard("app/snapshot.py", content=UNUSED, origin="cli", block_on=[])
        [finding] = [f for f in report["findings"] if f["kind"] == "disconnected"]
        assert finding["path"] == "app/snapshot.py" and "symbol" not in finding
    finally:
        service.close()


def test_a_name_used_in_its_own_file_as_a_callback_is_not_disconnected_but_one_used_nowhere_is(tmp_path):
    own = CODECS + '\nHANDLERS = [DeflateDecoder]\n'
    service = indexed(tmp_path, {"app/__init__.py": "", "app/codecs.py": own,
                                 "app/main.py": "from .codecs import HANDLERS\n\nif __name__ == '__main__':\n    print(HANDLERS)\n"})
    try:
        assert reported(service) == {"app.codecs.identity_codec"}
    finally:
        service.close()


def test_a_published_library_s_public_modules_are_its_api_and_its_private_ones_are_judged(tmp_path):
    service = indexed(tmp_path, {"lib/__init__.py": "", "lib/py.typed": "", "lib/config.py": UNUSED,
                                 "lib/_helpers.py": UNUSED, "lib/core.py": "from . import _helpers\n"})
    try:
        assert reported(service) == {"lib._helpers.export_snapshot"}
        # New code is judged as new code: a public function nothing calls is reported in the library too.
        added = UNUSED + "\n\ndef collect_statistics(rows):\n    return len(rows)\n"
        report = service.guard("lib/config.py", content=added, origin="cli", block_on=[])
        assert [f["symbol"] for f in report["findings"] if f["kind"] == "disconnected"] == \
            ["lib.config.collect_statistics"]
    finally:
        service.close()


def test_modules_a_computed_require_loads_by_a_listed_name_are_not_disconnected(tmp_path):
    loader = ("const names = ['install', 'publish']\n"
              "module.exports = (name) => names.includes(name) && require(`./commands/${name}.js`)\n")
    command = "module.exports = function run (args) { return args }\n"
    service = indexed(tmp_path, {"lib/npm.js": loader, "lib/commands/install.js": command,
                                 "lib/commands/publish.js": command,
                                 "lib/versions/unicode10-0-0.py": "TABLE = []\n"})
    try:
        assert not {p for p in reported(service) if p.startswith("lib/commands/")}
        assert "lib/versions/unicode10-0-0.py" not in reported(service)  # no import can name it
        # A new command nobody lists is loaded by nothing.
        report = service.guard("lib/commands/archive-sync.js", content=command, origin="cli", block_on=[])
        assert [f["path"] for f in report["findings"] if f["kind"] == "disconnected"] == \
            ["lib/commands/archive-sync.js"]
    finally:
        service.close()
