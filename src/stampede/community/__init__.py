"""Community: boards (the free board, lowest-price sharing), posts, comments, likes and
reports, and the reviews and star ratings of people who bought or rented."""
