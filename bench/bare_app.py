"""The floor bench/run compares pages with: a bare Flask app whose one route renders a trivial
template, served by the same gunicorn settings (``gunicorn bench.bare_app:app``)."""

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "bare_templates"))


@app.get("/")
def bare():
    return render_template("bare.html", title="社区微创投", items=range(5))
