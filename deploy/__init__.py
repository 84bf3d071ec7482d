"""Deployment helpers: the loopback replica launcher behind nginx (``make run-replicas``)."""
