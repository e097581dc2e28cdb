"""Dashboard views by area: catalog.py, orders.py, accounts.py, dashboard.py live here."""
