"""``policyradar indices list|next|swap INDEX``: inspect and manage index versions behind the alias."""

from __future__ import annotations

import argparse

from indexer.engine import open_engine
from indexer.index_versions import create_next_version, existing_versions, swap_alias
from indexer.mapping import IndexLayout, versioned_index
from policyradar.errors import PolicyRadarError
from policyradar.settings import get_settings


def indices_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    alias = settings.index_alias
    with open_engine(settings) as engine:
        if args.action == "list":
            live = set(engine.alias_targets(alias))
            for version in existing_versions(engine, alias):
                name = versioned_index(alias, version)
                print(f"{name}  {engine.count(name)} documents{'  <- ' + alias if name in live else ''}")
        elif args.action == "next":
            print(create_next_version(engine, alias, IndexLayout.from_settings(settings)))
        else:
            if not args.index:
                raise PolicyRadarError("swap needs the index to point the alias at")
            try:
                left = swap_alias(engine, alias, args.index)
            except ValueError as exc:
                raise PolicyRadarError(str(exc)) from exc
            print(f"{alias} -> {args.index} (was: {', '.join(left) or 'nothing'})")
    return 0
