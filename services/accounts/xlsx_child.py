"""Child process of the bulk import: reads the first sheet of an XLSX workbook on stdin and
writes its rows as JSON on stdout. Run by imports.read_rows under mooc_common.infra.capped_process
(address-space and CPU caps); it imports nothing of the platform.

Every row counts towards the limit, empty ones too: a small file can declare millions of
empty rows, and reading them is what costs the time.
"""
import io
import json
import sys


def main(max_rows):
    import openpyxl
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(sys.stdin.buffer.read()), read_only=True,
                                          data_only=True)
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            if len(rows) >= max_rows:
                json.dump({"error": f"more than {max_rows - 1} rows (empty rows count)"}, sys.stdout)
                return
            rows.append([None if v is None else str(v) for v in row])
    except MemoryError:
        raise
    except Exception:
        json.dump({"error": "not a readable XLSX workbook"}, sys.stdout)
        return
    json.dump({"rows": rows}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
