"""unsup.gan"""
