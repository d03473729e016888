"""The documents that leave Telegram: the executive summary (PDF, DOCX) and a cluster's report
card (PDF).

Pure: :mod:`.summary` and :mod:`.card` build a :class:`~.model.Document` (sections of blocks
and the chart jobs they show) from figures computed elsewhere (``bot.reports.summary``, the
stored result); :mod:`.render` lays it out, in a worker process, through the templates in
``templates/`` (Typst for the PDF, a reference .docx for the DOCX). No database, no Telegram.
"""

from bot.documents.card import ClusterFacts, card_caption, card_document, peer_medians
from bot.documents.levels import held_back, next_level
from bot.documents.model import Document
from bot.documents.summary import headline_text, summary_document

__all__ = [
    "ClusterFacts",
    "Document",
    "card_caption",
    "card_document",
    "headline_text",
    "held_back",
    "next_level",
    "peer_medians",
    "summary_document",
]
