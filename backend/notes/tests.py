"""/api/notes/ through real requests: only with a valid JWT, only one's own notes."""
from datetime import datetime

from django.conf import settings

from accounts.tests import FAST, ApiTestCase

from .models import Note


@FAST
class NotesTests(ApiTestCase):
    def sign_in_as(self, email_address):
        self.active_user(email_address)
        access = self.login(email_address).json()["access"]
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {access}")

    def post(self, body):
        return self.client.post("/api/notes/", body, format="json")

    def test_needs_a_valid_jwt(self):
        note = Note.objects.create(user=self.active_user("bob@example.com"), text="bob's")
        requests = [
            lambda: self.client.get("/api/notes/"),
            lambda: self.post({"text": "hi"}),
            lambda: self.client.delete(f"/api/notes/{note.pk}/"),
        ]
        for credentials, body in (
            ({}, {"detail": "Authentication credentials were not provided."}),
            ({"HTTP_AUTHORIZATION": "Bearer x"}, {"detail": "Authentication credentials were not provided."}),
            ({"HTTP_AUTHORIZATION": "JWT garbage"}, None),
        ):
            self.client.credentials(**credentials)
            for request in requests:
                response = request()
                self.assertEqual(response.status_code, 401, credentials)
                if body:
                    self.assertEqual(response.json(), body)
                else:
                    self.assertEqual(response.json()["code"], "token_not_valid")
        self.assertEqual(Note.objects.count(), 1)

    def test_create_list_delete_own(self):
        self.sign_in_as("alice@example.com")
        self.assertEqual(self.client.get("/api/notes/").json(), [])
        first = self.post({"text": "  first note "})
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(set(first.json()), {"id", "text", "created"})
        self.assertEqual(first.json()["text"], "first note")
        created = datetime.fromisoformat(first.json()["created"])
        self.assertIsNotNone(created.tzinfo)
        second = self.post({"text": "x" * 500})
        self.assertEqual(second.status_code, 201)

        listed = self.client.get("/api/notes")  # slash optional
        self.assertEqual(listed.status_code, 200)
        self.assertEqual(listed.json(), [second.json(), first.json()])  # newest first

        response = self.client.delete(f"/api/notes/{first.json()['id']}/")
        self.assertEqual((response.status_code, response.content), (204, b""))
        self.assertEqual(self.client.delete(f"/api/notes/{first.json()['id']}").status_code, 404)
        self.assertEqual(self.client.get("/api/notes/").json(), [second.json()])

    def test_validation_errors(self):
        self.sign_in_as("alice@example.com")
        for body, errors in (
            ({"text": ""}, {"text": ["This field may not be blank."]}),
            ({"text": "   "}, {"text": ["This field may not be blank."]}),
            ({}, {"text": ["This field is required."]}),
            ({"text": None}, {"text": ["This field may not be null."]}),
            ({"text": "x" * 501}, {"text": ["Ensure this field has no more than 500 characters."]}),
        ):
            response = self.post(body)
            self.assertEqual((response.status_code, response.json()), (400, errors), body)
        self.assertEqual(Note.objects.count(), 0)

    def test_other_accounts_notes_are_invisible_and_undeletable(self):
        bob = self.active_user("bob@example.com")
        bobs = Note.objects.create(user=bob, text="bob's secret")
        self.sign_in_as("alice@example.com")
        self.post({"text": "alice's"})
        self.assertEqual([n["text"] for n in self.client.get("/api/notes/").json()], ["alice's"])
        response = self.client.delete(f"/api/notes/{bobs.pk}/")
        self.assertEqual((response.status_code, response.json()), (404, {"detail": "No Note matches the given query."}))
        self.assertEqual(self.client.delete("/api/notes/999999/").json(), response.json())  # same as none
        self.assertTrue(Note.objects.filter(pk=bobs.pk).exists())

    def test_cors_from_the_spa(self):
        origin = {"HTTP_ORIGIN": settings.SPA_ORIGIN}
        preflight = self.client.options(
            "/api/notes/1/",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
            **origin,
        )
        self.assertEqual(preflight.status_code, 200)
        self.assertEqual(preflight["Access-Control-Allow-Origin"], settings.SPA_ORIGIN)
        self.assertIn("DELETE", preflight["Access-Control-Allow-Methods"])
        self.assertIn("authorization", preflight["Access-Control-Allow-Headers"])
        refused = self.client.get("/api/notes/", **origin)
        self.assertEqual((refused.status_code, refused["Access-Control-Allow-Origin"]), (401, settings.SPA_ORIGIN))
        other = self.client.options(
            "/api/notes/1/", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE"
        )
        self.assertNotIn("Access-Control-Allow-Origin", other)
