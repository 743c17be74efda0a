"""Users, roles with scopes, streets and communities, organisations and their members."""
