#!/usr/bin/env python3
"""A DeepBase client with nothing but Python's standard library.

Speaks Avatica's JSON protocol over HTTP(S) to ``deepbase serve --serialization json``: one POST
per request, HTTP Basic authentication. Returns rows as lists, or a pandas DataFrame when pandas
is installed. For large results prefer Arrow Flight SQL (docs/python.md): it sends Arrow batches.

    import deepbase_client
    rows = deepbase_client.query("SELECT * FROM layers", url="http://127.0.0.1:8765",
                                 user="alice", password="...")
    frame = deepbase_client.dataframe("SELECT * FROM layers", url=..., user=..., password=...)
"""
import base64
import json
import urllib.error
import urllib.request
import uuid

FETCH_ROWS = 10000


class DeepBaseError(Exception):
    """An error the server returned: its message and SQLState (e.g. 42S02 for an unknown table)."""

    def __init__(self, message, sql_state=None):
        super().__init__(f"{message} [SQLState {sql_state}]" if sql_state else message)
        self.sql_state = sql_state


class Connection:
    """One server connection; use as a context manager so that it is closed."""

    def __init__(self, url="http://127.0.0.1:8765", user=None, password=None, timeout=600):
        self.url = url
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json"}
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "Basic " + token
        self.id = str(uuid.uuid4())
        self._call({"request": "openConnection", "connectionId": self.id, "info": {}})

    def _call(self, request):
        body = json.dumps(request).encode("utf-8")
        http = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as reply:
                answer = json.load(reply)
        except urllib.error.HTTPError as e:
            if e.code == 401:
                raise DeepBaseError("wrong user name or password", "28000") from None
            try:
                answer = json.load(e)
            except ValueError:
                raise DeepBaseError(f"HTTP {e.code} from {self.url}") from None
        if answer.get("response") == "error":
            raise DeepBaseError(answer.get("errorMessage"), answer.get("sqlState"))
        return answer

    def query(self, sql):
        """Runs one statement; returns (column names, rows)."""
        statement = self._call({"request": "createStatement", "connectionId": self.id})
        statement_id = statement["statementId"]
        try:
            result = self._call({"request": "prepareAndExecute", "connectionId": self.id,
                                 "statementId": statement_id, "sql": sql, "maxRowCount": -1,
                                 "maxRowsInFirstFrame": FETCH_ROWS})["results"][0]
            if result.get("signature") is None:
                return [], []
            columns = [c["label"] for c in result["signature"]["columns"]]
            frame = result["firstFrame"]
            rows = list(frame["rows"])
            while not frame["done"]:
                frame = self._call({"request": "fetch", "connectionId": self.id,
                                    "statementId": statement_id, "offset": len(rows),
                                    "fetchMaxRowCount": FETCH_ROWS})["frame"]
                rows.extend(frame["rows"])
            return columns, rows
        finally:
            self._call({"request": "closeStatement", "connectionId": self.id,
                        "statementId": statement_id})

    def close(self):
        self._call({"request": "closeConnection", "connectionId": self.id})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def query(sql, **connection):
    """Runs one statement on a new connection; returns its rows as lists."""
    with Connection(**connection) as c:
        return c.query(sql)[1]


def dataframe(sql, **connection):
    """Runs one statement; returns a pandas DataFrame (needs pandas)."""
    import pandas as pd
    with Connection(**connection) as c:
        columns, rows = c.query(sql)
    return pd.DataFrame(rows, columns=columns)
