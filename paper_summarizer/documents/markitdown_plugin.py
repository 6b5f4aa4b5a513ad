"""The markitdown plugin: `MarkItDown(enable_plugins=True)` loads this through the
`markitdown.plugin` entry point and tries our PDFium converter (`documents.pdf`) before its own
slower, headingless PDF path. markitdown keeps HTML, DOCX and the rest.

PDFium is not thread-safe, not even across documents, and this plugin runs in its caller's
process: its conversions take one process-wide lock (`pdf.PDFIUM_LOCK`), so threads that share a
MarkItDown convert one PDF at a time. It parses the bytes in the calling process, with no time
or memory limit of its own; paper-summarizer itself converts untrusted files in bounded worker
processes (`documents/worker.py`) and never through this plugin."""

from __future__ import annotations

from typing import Any, BinaryIO

from markitdown import PRIORITY_SPECIFIC_FILE_FORMAT, DocumentConverter, DocumentConverterResult, StreamInfo

from paper_summarizer.documents.pdf import convert_pdf

__plugin_interface_version__ = 1


class PdfiumConverter(DocumentConverter):
    def accepts(self, file_stream: BinaryIO, stream_info: StreamInfo, **kwargs: Any) -> bool:
        return (stream_info.extension or "").lower() == ".pdf" or (stream_info.mimetype or "").startswith(
            "application/pdf"
        )

    def convert(self, file_stream: BinaryIO, stream_info: StreamInfo, **kwargs: Any) -> DocumentConverterResult:
        markdown, title, *_ = convert_pdf(file_stream.read())
        return DocumentConverterResult(markdown=markdown, title=title or None)


def register_converters(markitdown: Any, **kwargs: Any) -> None:
    markitdown.register_converter(PdfiumConverter(), priority=PRIORITY_SPECIFIC_FILE_FORMAT - 1)


__all__ = ["PdfiumConverter", "register_converters"]
