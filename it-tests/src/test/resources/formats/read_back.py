"""Reads a CSV and a JSON result of `deepbase sql` back with independent readers.

Used by OutputFormatsTest: argv = result.csv result.json. Prints one JSON object: the rows as
Python's csv module reads them (strings), as its json module reads them (typed), and as pandas
read_csv reads them when pandas is installed (None otherwise). Floats survive the trip exactly:
json.dumps writes repr(float), the shortest text that reads back to the same double.
"""
import csv
import json
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    csv_rows = list(csv.reader(f))
with open(sys.argv[2], encoding="utf-8") as f:
    json_rows = json.load(f)

pandas_rows = None
try:
    import pandas as pd
except ImportError:
    pd = None
if pd is not None:
    # keep_default_na=False: the string 'null' stays a string; only an empty field is missing.
    # float_precision='round_trip': pandas' default parser may be one unit in the last place off.
    frame = pd.read_csv(sys.argv[1], keep_default_na=False, na_values=[""],
                        float_precision="round_trip")
    pandas_rows = [[None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row]
                   for row in frame.itertuples(index=False)]
    pandas_rows.insert(0, list(frame.columns))

json.dump({"csv": csv_rows, "json": json_rows, "pandas": pandas_rows}, sys.stdout)
