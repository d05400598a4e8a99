import pytest
import responses


@pytest.fixture
def api():
    """The vendor's HTTP API, answered by recorded shapes; a registered call that never happened
    fails the test (every expected call was made)."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
