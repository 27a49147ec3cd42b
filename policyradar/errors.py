"""The root of every error Policy Radar raises on purpose, and its families."""


class PolicyRadarError(Exception):
    """Base class: the CLI prints these as one clear line instead of a traceback."""


class ConfigError(PolicyRadarError):
    """A settings value, source file or other configuration is invalid."""


class StackError(PolicyRadarError):
    """The local stack could not be resolved, started or stopped."""


class SchemaError(PolicyRadarError):
    """A record does not match its schema."""


class DependencyUnavailable(PolicyRadarError):
    """A service the process needs (the search engine, a mail server) is away or overloaded for now.

    Stages wait and retry on these; they never dead-letter a record because of one."""
