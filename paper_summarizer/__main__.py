from paper_summarizer.cli import app

app(prog_name="paper-summarizer")
