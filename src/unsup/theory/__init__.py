"""unsup.theory"""
