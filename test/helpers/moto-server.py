"""moto's server with four fixes that make it answer as AWS does where the CDK depends on it.

1. DeleteChangeSet of a change set that does not exist succeeds when the stack exists (AWS does; the CDK deletes
   its change set name before creating it). moto 5.2.5 fails with an internal error.
2. DescribeChangeSet of a missing change set answers ChangeSetNotFoundException (the CDK waits for that after
   deleting); moto answers "Stack with id ... does not exist".
3. Executing a change set updates the stack's outputs (moto keeps the outputs of the stack's first template).
4. A CREATE change set for a stack still in REVIEW_IN_PROGRESS (its first change set was never executed) goes to
   that stack; moto makes a second stack of the same name.

Everything else is moto as installed. Run as moto_server: moto-server.py -H 127.0.0.1 -p PORT
"""

from moto.cloudformation import exceptions, models
from moto.server import main

_delete_change_set = models.CloudFormationBackend.delete_change_set


def delete_change_set(self, change_set_name):
    known = change_set_name in self.change_sets or any(
        change_set.change_set_name == change_set_name for change_set in self.change_sets.values()
    )
    if known:
        _delete_change_set(self, change_set_name)


class ChangeSetNotFound(exceptions.CloudFormationError):
    code = "ChangeSetNotFoundException"


_describe_change_set = models.CloudFormationBackend.describe_change_set


def describe_change_set(self, change_set_name):
    try:
        return _describe_change_set(self, change_set_name)
    except exceptions.ValidationError:
        raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")


_apply = models.ChangeSet.apply


def apply(self):
    _apply(self)
    stack = self.stack
    stack.template = self.template
    stack._parse_template()
    stack.output_map = stack._create_output_map()


_create_change_set = models.CloudFormationBackend.create_change_set


def create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type, **rest):
    if change_set_type == "CREATE":
        for stack_id, stack in list(self.stacks.items()):
            if stack.name == stack_name and stack.status == "REVIEW_IN_PROGRESS":
                # An empty shell: the new change set's stack takes its place.
                del self.stacks[stack_id]
    return _create_change_set(
        self, stack_name, change_set_name, template, parameters, description, change_set_type, **rest
    )


models.CloudFormationBackend.delete_change_set = delete_change_set
models.CloudFormationBackend.create_change_set = create_change_set
models.CloudFormationBackend.describe_change_set = describe_change_set
models.ChangeSet.apply = apply

if __name__ == "__main__":
    main()
