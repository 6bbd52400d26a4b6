"""Courses and enrollments: thin HTTP adapters over the courses service."""
import falcon


class Courses:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("courses", "create_course", req.context.actor, req.get_media())


class Course:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, course_id):
        resp.media = self.rpc.call("courses", "get_course", req.context.actor, course_id)


class CoursePublication:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, course_id):
        resp.media = self.rpc.call("courses", "publish_course", req.context.actor, course_id)


class CourseEnrollments:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, course_id):
        body = req.get_media() or {}
        learner_id = body.get("learner_id") or req.context.actor["user_id"]
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("courses", "enroll", req.context.actor, course_id, learner_id,
                                   body.get("intake_id"))


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/courses", Courses(rpc))
    app.add_route(f"{api}/courses/{{course_id}}", Course(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/publish", CoursePublication(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/enrollments", CourseEnrollments(rpc))
