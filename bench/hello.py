"""The ceiling of bench/run.py: a bare Flask "hello world", served like the shop.

    gunicorn -w 2 -b 127.0.0.1:8100 bench.hello:app

No database, no templates, no extensions: what gunicorn's sync workers and Flask's request
handling cost on their own, so each shop endpoint can be given as a share of it.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
