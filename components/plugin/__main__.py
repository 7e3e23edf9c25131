"""Serve Slipway's Microservice and ServiceNamespace to Pulumi programs in any language."""

from slipway.multi_language import serve

serve()
