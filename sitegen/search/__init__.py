"""Search: a Pagefind index of the rendered pages, made in memory and returned as outputs.

The build hands it the HTML it rendered and gets back the files of the search bundle
(`pagefind/...`), which it writes with every other output: the index is part of the same
atomic build, and the dev server's rebuild makes it again from the pages it holds.
"""

from sitegen.search.index import (
    SEARCH_FOLDER,
    build_index,
    indexed_pages,
    is_search_file,
    page_url,
    search_outputs,
)
from sitegen.search.service import PagefindService, pagefind_binary

__all__ = [
    "SEARCH_FOLDER", "PagefindService", "build_index", "indexed_pages", "is_search_file",
    "page_url", "pagefind_binary", "search_outputs",
]
