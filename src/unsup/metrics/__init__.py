"""unsup.metrics"""
