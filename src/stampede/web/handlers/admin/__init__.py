"""The admin pages: the platform's status, company applications, cars and phones, reported
posts. Every page needs the admin role (the API checks it again)."""
