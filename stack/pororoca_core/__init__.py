"""Pororoca: a self-hosted lakehouse for fintechs. This package is the local runtime and the CLI."""
