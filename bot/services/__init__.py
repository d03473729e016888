"""Every admin and operator use case, once: the ``ssme`` CLI and the admin handlers call these.

One module per concept: ``campaigns`` (the campaign a command means, and the date rules),
``invitations``, ``participation``, ``privacy`` (personal data requests), ``imports`` (registry
and historical responses), ``reports`` (summary and export), ``scoring`` (``ssme score``),
``audit`` and ``backup``. A service takes a :class:`~bot.storage.Storage` (and the questionnaire
or settings values it needs) and returns typed results; it never prints, never imports
``telegram``, and writes no Spanish: a refusal is a :class:`~bot.services.errors.ServiceError`
with a code, which ``bot.texts.admin.error`` words for the admin.
"""
