"""Quarterly returns: a pre-filled spreadsheet per site out, the filled ones back in.

Site leads, who will not install a command-line tool, report a quarter's news
in an ``.xlsx`` workbook made for their site (``making``): the checkpoints
they still have to do, the checklists and (NASSS) every sub-domain, each with
a drop-down of exactly what it takes, and a row for the date they plan to
complete their current stage.  The filled workbooks come back through
``importing``: ``reading`` takes the cells out of a workbook, ``checking``
turns them into records or problems located by file, sheet and cell, and the
records are written by the same path as ``events import``, all files in one
transaction.  ``layout`` is what both sides agree on: sheet names, columns,
and the hidden sheet that says which initiative and site a workbook is for.

openpyxl is imported only here, and only by the ``returns`` commands.
"""
