"""The core: plain typed objects and pure logic. No I/O, no wire names."""
