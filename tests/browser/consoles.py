"""Helpers of the console browser tests (reports dashboard, year-end report, operator console):
a tenant with a tenant admin and a report viewer, signing in to a console page, and the
checks every console page gets (axe, no horizontal scrolling at 360 px)."""
import secrets

from api_client import ApiClient
from tests.browser.conftest import API, PASSWORD, Tenant, assert_accessible


def vi_number(n):
    """A whole number as the page shows it in Vietnamese (vi-VN groups thousands with '.')."""
    return f"{n:,}".replace(",", ".")


class ConsoleTenant(Tenant):
    """A tenant with a unit below its root unit, a tenant admin and a report viewer."""

    def __init__(self, operator, platform, name):
        super().__init__(operator, platform, name)
        units = operator.get(f"{API}/tenants/{self.id}/units")
        self.root_unit = units[0]
        self.child_unit = operator.post(f"{API}/tenants/{self.id}/units", {
            "code": "PHONG-TH", "name": "Phòng Tổng hợp", "parent_id": self.root_unit["unit_id"]})
        self.admin_username = self._user("tenant_admin", "Quản trị đơn vị")
        self.viewer_username = self._user("report_viewer", "Người xem báo cáo")
        self.admin = ApiClient(platform.base_url).signed_in(self.admin_username, PASSWORD)
        self.viewer = ApiClient(platform.base_url).signed_in(self.viewer_username, PASSWORD)

    def _user(self, role, full_name):
        username = f"{role.split('_')[0]}.{secrets.token_hex(4)}"
        self.operator.post(f"{API}/tenants/{self.id}/users", {"username": username, "full_name": full_name,
                                                              "email": f"{username}@example.vn", "role": role,
                                                              "password": PASSWORD})
        return username


def console_sign_in(page, username, password=PASSWORD, next_path="/reports"):
    """Signs in through the sign-in page and lands on ``next_path``."""
    page.goto(f"/signin?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/signin" not in url)


def assert_console_page_ok(page):
    """axe finds no serious or critical violation, and at any width nothing but the tables'
    own scrolling regions is wider than the screen."""
    assert_accessible(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    # the outermost elements sticking out, so a failure says what to fix
    wide = page.evaluate("""() => {
        const sticksOut = (e) => e.getBoundingClientRect().right > window.innerWidth + 1;
        const clipped = (e) => { for (let a = e.parentElement; a; a = a.parentElement)
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX) && a !== document.body
                && a !== document.documentElement) return true; return false; };
        return [...document.querySelectorAll('body *')]
            .filter((e) => sticksOut(e) && !clipped(e) && !(e.parentElement && sticksOut(e.parentElement)))
            .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
    }""")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px: {wide}"
