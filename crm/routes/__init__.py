"""URL patterns of the crm namespace, one module per area of the app."""
