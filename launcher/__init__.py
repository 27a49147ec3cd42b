"""The launcher: the ``policyradar`` command, the local stack, the demo, ``run`` and ``reprocess``.

It sits above the stages and knows each of them by name; nothing in ``policyradar/`` (the shared
ground floor) or in the stages imports it."""
