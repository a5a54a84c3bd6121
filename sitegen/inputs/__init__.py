"""Inputs: what a site holds, read and checked (pages and front matter, datasets, static
files, templates), each problem at its file, line and column."""

from sitegen.inputs.content import (
    ContentFiles,
    SourcePage,
    content_path,
    discover,
    read_page,
    relative_url,
    root_prefix,
    title_from_name,
)
from sitegen.inputs.data import (
    Dataset,
    Row,
    Value,
    data_files,
    is_web_address,
    load_datasets,
)
from sitegen.inputs.files import check_inside
from sitegen.inputs.limits import check_yaml
from sitegen.inputs.loaders import LoaderReport, loader_files, run_loaders
from sitegen.inputs.provenance import DERIVED_COLUMN, derive, names_source
from sitegen.inputs.runner import Job, NeedsDataset, Ran, Returned, run
from sitegen.inputs.static import StaticFile, static_files
from sitegen.inputs.templates import TemplateSet, read_templates

__all__ = [
    "DERIVED_COLUMN",
    "ContentFiles",
    "Dataset",
    "Job",
    "LoaderReport",
    "NeedsDataset",
    "Ran",
    "Returned",
    "Row",
    "SourcePage",
    "StaticFile",
    "TemplateSet",
    "Value",
    "check_inside",
    "check_yaml",
    "content_path",
    "data_files",
    "derive",
    "discover",
    "is_web_address",
    "load_datasets",
    "loader_files",
    "names_source",
    "read_page",
    "read_templates",
    "relative_url",
    "root_prefix",
    "run",
    "run_loaders",
    "static_files",
    "title_from_name",
]
