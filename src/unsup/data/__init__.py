"""unsup.data"""
