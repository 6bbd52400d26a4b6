"""The OpenAPI 3.1 document of the gateway, generated from the routes and their ``@operation``s."""
