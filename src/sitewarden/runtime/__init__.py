"""The running system: ``system.py`` builds everything a node runs, once
(:func:`~sitewarden.runtime.system.build_runtime`); ``storage.py`` puts every
feature's tables together over one database; ``writer_process.py`` is the child that
commits batches.

Nothing is imported here, so that the writer child, which needs only the storage,
does not load the models, MQTT and the web stack.
"""
