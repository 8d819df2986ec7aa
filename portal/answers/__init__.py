"""The public knowledge base (知识库): answers written from replied tickets, their pages and votes."""
