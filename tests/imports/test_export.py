"""导出全部 writes the format; text that looks like a formula stays text."""

import io
import zipfile

from django.core.management import call_command
from openpyxl import load_workbook

from accounts.roles import Role
from imports import services
from imports.export import workbook_bytes
from tests.factories import ProviderFactory, credit_code


def test_a_cell_starting_like_a_formula_is_written_as_text(tmp_path, bureau, make_user):
    finance = make_user(Role.FINANCE, bureau, "exp-finance")
    names = ['=HYPERLINK("http://x","点击")', "+86 服务中心", "-服务中心", "@服务中心"]
    for n, name in enumerate(names, start=1):
        ProviderFactory(bureau=bureau, name=name, credit_code=credit_code(800 + n))
    path = tmp_path / "导出.xlsx"
    call_command("export_workbook", str(path), "--bureau", bureau.name, stdout=io.StringIO())
    data = path.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)
    sheet = load_workbook(io.BytesIO(data))["服务机构"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == names
    assert {c.data_type for c in cells} == {"s"}
    # And it imports again unchanged.
    result = services.workbook_import(
        actor=finance, bureau=bureau, data=workbook_bytes(bureau), filename="导出.xlsx"
    )
    assert result.ok and result.counts["服务机构"].unchanged == 4
