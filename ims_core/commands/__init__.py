"""The ``ims`` command's areas: each module defines ``register(app)`` and is listed in ``ims_core.cli``."""
