"""Catalog: what is for sale — deals, performances (sessions and seat maps), phones at shops,
rental cars — with categories, search, likes, keyword subscriptions and sale windows.

Publishes: ListingPublished, ListingUpdated, ListingDeleted, SaleOpened, SaleClosed, AlertDue,
LikeAdded, LikeRemoved, KeywordSubscribed, KeywordUnsubscribed, and the inventory facts sales
needs (see contracts.py).
Consumes: identity CompanyApproved (its own copy of each company's public profile).
"""
