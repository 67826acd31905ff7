"""The same export as export-bench, in Python with openpyxl (write-only mode, the fast path):
the same 11 columns, the same rows, each row filled with the user's colour. Prints time and
peak memory. Usage: python3 benches/openpyxl_export.py N"""
import resource
import sys
import time
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

COLOURS = ["1F3A93", "FFEB3B", "2ECC71", "E74C3C", "9B59B6"]
DARK = {"1F3A93", "E74C3C", "9B59B6"}


def main(n: int) -> None:
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Users")
    ws.freeze_panes = "A2"
    header = ["Full Name", "Email", "Phone", "Company", "Department", "Position", "Account Status",
              "Cabinet Groups", "Other Groups", "Start Date", "End Date"]
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    styles = {}
    for i in range(n):
        colour = COLOURS[i % len(COLOURS)] if i % 3 != 0 else None
        if colour not in styles:
            styles[colour] = (
                PatternFill("solid", fgColor=colour) if colour else None,
                Font(color="FFFFFF" if colour in DARK else "000000"),
            )
        fill, font = styles[colour]
        values = [f"First{i} Last{(i * 7919) % 1000000:06}", f"user{i:06}@example.com", "", "Bench Corp",
                  f"Department {i % 20}", "Analyst", "Inactive" if i % 10 == 0 else "Active", "Risk Managers",
                  "Everyone", date(2025, 1, 1 + i % 28), date(2027, 12, 31) if i % 4 == 0 else None]
        row = []
        for v in values:
            cell = WriteOnlyCell(ws, value=v)
            if fill is not None:
                cell.fill = fill
            cell.font = font
            if isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        ws.append(row)
    ws.auto_filter.ref = f"A1:K{n + 1}"
    wb.save("/tmp/openpyxl-export.xlsx")
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"openpyxl wrote {n} rows in {took:.2f} s; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
