"""The plan's measures tracked (督查考核): each measure's progress kept by its lead bureau, dated
milestones, and the tickets and consultation comments that bear on it."""
