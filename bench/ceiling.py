"""The ceiling: a bare Flask endpoint returning a small JSON object, served like the shop."""

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return {"status": "ok"}
