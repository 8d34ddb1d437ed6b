"""The database kernel: connections, transactions, the two backends and the migrations.

Features write their own SQL against :class:`~sitewarden.db.database.Database`;
nothing here knows what a site, an alert or a parking session is.
"""
