"""Image-to-image translation: CycleGAN (unpaired), pix2pix and plain regression (paired), super-resolution.

Lecture 25: with paired data, translation is regression ``G(x, z) = y``; without pairs, CycleGAN trains two
generators ``G: A -> B``, ``F: B -> A`` and two discriminators, tied by the cycle-consistency ``F(G(a)) ≈ a``.
"""
