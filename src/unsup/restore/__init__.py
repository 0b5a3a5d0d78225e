"""unsup.restore"""
