"""Reports: a view turns a result into a Document (report/views), a format shows a Document
(report/formats, one module each)."""
