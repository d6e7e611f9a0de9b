"""cXML PunchOut: purchasing systems (SAP Ariba, Coupa) shop the mall and take the cart back."""
