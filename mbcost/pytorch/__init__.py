"""Graph -> torch.nn.Module, and the proof of the counts against it. The only place torch is imported."""
