"""prose"""
