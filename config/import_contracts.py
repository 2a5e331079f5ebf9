"""An import-linter contract: apps reach each other only through their `api` module.

`lint-imports` (run by .ci/run) loads this through [tool.importlinter] in pyproject.toml.
"""

from __future__ import annotations

from typing import Any, cast

from importlinter import Contract, ContractCheck, fields, output


class PublicApiContract(Contract):
    """Modules of one app may import another app only as `<app>.api`.

    Configuration: `apps` (the app packages) and `exempt` (packages allowed to wire apps
    together, such as the project configuration).
    """

    type_name = "public_api"

    apps = fields.ListField(subfield=fields.StringField())
    exempt = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        # import-linter fills these descriptors with plain lists once the config is read.
        apps = cast(list[str], self.apps)
        exempt = cast(list[str], self.exempt or [])
        illegal: list[tuple[str, str, tuple[int, ...]]] = []
        for app in apps:
            allowed = f"{app}.api"
            for imported in {app, *graph.find_descendants(app)}:
                if imported == allowed:
                    continue
                for importer in graph.find_modules_that_directly_import(imported):
                    importer_app = importer.split(".")[0]
                    if importer_app == app or importer_app in exempt:
                        continue
                    if ".migrations." in f".{importer}.":
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = tuple(d["line_number"] for d in details)
                    illegal.append((importer, imported, lines))
        return ContractCheck(kept=not illegal, metadata={"illegal": sorted(illegal)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["illegal"]:
            where = ", ".join(str(n) for n in lines)
            output.print_error(
                f"{importer} imports {imported} (line {where}); import "
                f"{imported.split('.')[0]}.api instead.",
                bold=False,
            )
